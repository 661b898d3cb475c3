import { namespaces } from "./namespaces";

type Tree = { [key: string]: string | Tree };

function leaves(tree: Tree, prefix = ""): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") found.set(path, value);
    else for (const [inner, text] of leaves(value, path)) found.set(inner, text);
  }
  return found;
}

const placeholders = (text: string) => [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((match) => match[1]).sort();

describe.each(Object.entries(namespaces))("messages of %s", (_, messages) => {
  const en = leaves(messages.en as Tree);
  const ko = leaves(messages.ko as Tree);

  it("has every English key in Korean and no other", () => {
    expect([...ko.keys()].sort()).toEqual([...en.keys()].sort());
  });

  it("has no empty message", () => {
    for (const [key, text] of [...en, ...ko]) expect(text.trim(), key).not.toBe("");
  });

  it("keeps the same placeholders in both languages", () => {
    for (const [key, text] of en) expect(placeholders(ko.get(key) ?? ""), key).toEqual(placeholders(text));
  });
});
