import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { deployedDetail } from "../../test/clusters";
import { HealthChecks, worstFirst } from "./HealthChecks";

const checks = [
  { check: "processes", target: "cfg", level: "OK", detail: "1 of 1 running" },
  { check: "replication lag", target: "shard0-2", level: "WARNING", detail: "14 s behind the primary" },
  { check: "primary", target: "shard1", level: "CRITICAL", detail: "no primary" },
  { check: "processes", target: "shard0", level: "WARNING", detail: "down: shard0-1" },
  { check: "balancer", target: "cluster", level: "OK", detail: "mode full" },
];

describe("worstFirst", () => {
  it("puts CRITICAL before WARNING before OK and keeps the API's order within a level", () => {
    expect(worstFirst(checks).map((check) => `${check.level} ${check.target}`)).toEqual([
      "CRITICAL shard1",
      "WARNING shard0-2",
      "WARNING shard0",
      "OK cfg",
      "OK cluster",
    ]);
  });
});

describe("HealthChecks", () => {
  it("shows the problems in a table and folds the passed checks away", async () => {
    const health = { ...deployedDetail().health!, level: "CRITICAL", checks };
    render(<HealthChecks health={health} cluster="e2e" />);
    const problems = screen.getByRole("table", { name: "Health checks of e2e that did not pass, worst first" });
    expect(within(problems).getAllByRole("row").slice(1).map((row) => row.textContent)).toEqual([
      "CRITICALprimaryshard1no primary",
      "WARNINGreplication lagshard0-214 s behind the primary",
      "WARNINGprocessesshard0down: shard0-1",
    ]);
    expect(screen.getByRole("heading", { name: "Health checks CRITICAL" })).toBeInTheDocument();
    const passed = screen.getByText("2 checks passed");
    expect(passed.closest("details")).not.toHaveAttribute("open");
    await userEvent.click(passed);
    expect(passed.closest("details")).toHaveAttribute("open");
    expect(screen.getByRole("table", { name: "Health checks of e2e that passed" })).toHaveTextContent("mode full");
  });

  it("says a registered cluster has no checks", () => {
    render(<HealthChecks health={null} cluster="prod" />);
    expect(screen.getByText(/Health checks run for clusters deployed on the API's machine/)).toBeInTheDocument();
    expect(screen.queryByRole("table")).not.toBeInTheDocument();
  });
});
