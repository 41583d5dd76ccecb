/** A Host that records display messages, for display and viz tests. */
import { setHost, type DisplayMessage, type Host } from "../../../lib/display/host.js";

/** Installs a recording host and returns the list it appends to. */
export function recordDisplays(): DisplayMessage[] {
  const messages: DisplayMessage[] = [];
  const fake: Host = {
    display: (message) => { messages.push(message); },
    input: () => Promise.reject(new Error("no input in tests")),
    registerCommTarget: () => {},
    interrupted: () => false,
  };
  setHost(fake);
  return messages;
}
