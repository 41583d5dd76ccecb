/** is_complete_request: complete / incomplete (with indent) / invalid. */
import { isComplete } from "../executor/is-complete.js";
import type { Handler } from "./context.js";

/** The is_complete_request handler. */
export const isCompleteHandler: Handler = ({ request, reply }) => {
  const code = typeof request.content.code === "string" ? request.content.code : "";
  const verdict = isComplete(code);
  reply(verdict.status === "incomplete" ? { status: "incomplete", indent: verdict.indent ?? "" } : { status: verdict.status });
};
