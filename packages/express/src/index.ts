import { hello } from "@polar-oauth/core"; export const x = (): string => hello();
