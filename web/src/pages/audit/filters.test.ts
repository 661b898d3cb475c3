import {
  apiQuery,
  boundFromInput,
  boundToInput,
  DEFAULT_LIMIT,
  filtersFromSearch,
  isFiltered,
  NO_FILTERS,
  searchFromFilters,
} from "./filters";

const parse = (query: string) => filtersFromSearch(new URLSearchParams(query));

describe("filtersFromSearch", () => {
  it("reads nothing as no filter, the default page size and the first page", () => {
    expect(parse("")).toEqual(NO_FILTERS);
    expect(NO_FILTERS.limit).toBe(DEFAULT_LIMIT);
  });

  it("reads every filter the API supports", () => {
    expect(
      parse(
        "actor=ada&method=patch&target=users/3&path_prefix=/api/v1/users&status=409&status_class=4xx" +
          "&since=2026-11-26T05:00:00Z&until=2026-11-26T06:00:00%2B09:00&limit=200&offset=400",
      ),
    ).toEqual({
      actor: "ada",
      method: "PATCH",
      target: "users/3",
      path_prefix: "/api/v1/users",
      status: 409,
      status_class: "4xx",
      since: "2026-11-26T05:00:00.000Z",
      until: "2026-11-25T21:00:00.000Z",
      limit: 200,
      offset: 400,
    });
  });

  it("drops what the API would refuse instead of failing the page", () => {
    expect(parse("method=GET&status=42&status_class=6xx&since=yesterday&limit=5000&offset=-1")).toEqual(NO_FILTERS);
    expect(parse("status=200.5&limit=0").status).toBeNull();
    expect(parse("actor=" + "a".repeat(80)).actor).toHaveLength(64);
  });
});

describe("searchFromFilters", () => {
  it("writes only what is set, leaving out the default page", () => {
    expect(searchFromFilters(NO_FILTERS).toString()).toBe("");
    expect(searchFromFilters({ ...NO_FILTERS, actor: "ada", status_class: "5xx", offset: 50 }).toString()).toBe(
      "actor=ada&status_class=5xx&offset=50",
    );
  });

  it("round-trips: a link reproduces the view", () => {
    const filters = parse("actor=ops@example&method=DELETE&path_prefix=/api/v1/clusters/prod&since=2026-11-26T05:00:00Z&limit=25&offset=25");
    expect(parse(searchFromFilters(filters).toString())).toEqual(filters);
  });
});

describe("apiQuery", () => {
  it("sends the page always and the filters only when set", () => {
    expect(apiQuery(NO_FILTERS)).toEqual({ limit: DEFAULT_LIMIT, offset: 0 });
    expect(apiQuery({ ...NO_FILTERS, status: 403, target: "users/7" })).toEqual({
      status: 403,
      target: "users/7",
      limit: DEFAULT_LIMIT,
      offset: 0,
    });
  });
});

describe("isFiltered", () => {
  it("ignores the page and its size", () => {
    expect(isFiltered({ ...NO_FILTERS, limit: 200, offset: 400 })).toBe(false);
    expect(isFiltered({ ...NO_FILTERS, method: "POST" })).toBe(true);
    expect(isFiltered({ ...NO_FILTERS, status: 500 })).toBe(true);
  });
});

describe("datetime-local values", () => {
  it("convert to the browser's wall time and back to the same instant", () => {
    const iso = "2026-11-26T05:04:03.000Z";
    const local = boundToInput(iso);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(boundFromInput(local)).toBe(iso);
  });

  it("leave an empty bound empty", () => {
    expect(boundToInput("")).toBe("");
    expect(boundFromInput("")).toBe("");
    expect(boundToInput("garbage")).toBe("");
  });
});
