/** A fixture for tests that feed member events: a `MemberView` of an alive LAN member. */
import type { MemberView } from "../../src/swim/core/api.js";

/** The view of member `name`, alive at incarnation 1, with `overrides` applied. */
export function memberView(name: string, overrides: Partial<MemberView> = {}): MemberView {
  return {
    name,
    address: { host: "127.0.0.1", port: 7946 },
    tags: {},
    status: "alive",
    memberlistState: "alive",
    incarnation: 1,
    vsn: [2, 5, 5, 2, 5, 5],
    ...overrides,
  };
}
