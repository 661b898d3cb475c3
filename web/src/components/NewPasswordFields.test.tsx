import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { FormEvent } from "react";
import { NewPasswordFields, useNewPassword } from "./NewPasswordFields";

/** A form as the pages build one: it sends the password only when the hook accepts it, then empties the fields. */
function PasswordForm({ onSend }: { onSend: (password: string) => void }) {
  const newPassword = useNewPassword();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!newPassword.accept()) return;
    onSend(newPassword.password);
    newPassword.reset();
  };
  return (
    <form onSubmit={submit} noValidate>
      <NewPasswordFields {...newPassword.fields} label="New password" />
      <button type="submit">Send</button>
    </form>
  );
}

const send = () => userEvent.click(screen.getByRole("button", { name: "Send" }));

describe("NewPasswordFields", () => {
  it("names the fields by their labels alone and reads the length rule as the description", () => {
    render(<PasswordForm onSend={vi.fn()} />);
    expect(screen.getByLabelText("New password")).toHaveAccessibleDescription(
      "At least 12 characters (at most 256). A passphrase of several words is easiest to remember.",
    );
    expect(screen.getByLabelText("Confirm password")).toBeInTheDocument();
  });

  it("says nothing while typing, then names the problem on submit and sends nothing", async () => {
    const onSend = vi.fn();
    render(<PasswordForm onSend={onSend} />);
    await userEvent.type(screen.getByLabelText("New password"), "short");
    expect(screen.queryByText(/shorter than/)).not.toBeInTheDocument();
    await send();
    expect(screen.getByText("The password is shorter than 12 characters.")).toBeInTheDocument();
    expect(screen.getByLabelText("New password")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("New password")).toHaveAccessibleDescription(/shorter than 12 characters/);
    expect(onSend).not.toHaveBeenCalled();
  });

  it("ties a mismatch to the confirmation, not to the password", async () => {
    const onSend = vi.fn();
    render(<PasswordForm onSend={onSend} />);
    await userEvent.type(screen.getByLabelText("New password"), "a long enough password");
    await userEvent.type(screen.getByLabelText("Confirm password"), "a long enough passw0rd");
    await send();
    expect(screen.getByLabelText("Confirm password")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Confirm password")).toHaveAccessibleDescription("The two passwords differ.");
    expect(screen.getByLabelText("New password")).not.toHaveAttribute("aria-invalid");
    expect(onSend).not.toHaveBeenCalled();
  });

  it("sends an accepted password once, then starts again empty with no problem shown", async () => {
    const onSend = vi.fn();
    render(<PasswordForm onSend={onSend} />);
    await userEvent.type(screen.getByLabelText("New password"), "a long enough password");
    await userEvent.type(screen.getByLabelText("Confirm password"), "a long enough password");
    await send();
    expect(onSend).toHaveBeenCalledExactlyOnceWith("a long enough password");
    expect(screen.getByLabelText("New password")).toHaveValue("");
    expect(screen.getByLabelText("Confirm password")).toHaveValue("");
    expect(screen.queryByText(/The password|The two passwords/)).not.toBeInTheDocument();
  });
});
