// Every namespace of messages. A page's messages live beside it (src/pages/<page>/messages.ts) and are listed here.
import { common } from "./common";
import { login } from "../pages/login/messages";

export const namespaces = { common, login } as const;

export type Namespace = keyof typeof namespaces;
