#!/usr/bin/env node
// Workspace launcher: runs the TypeScript source through tsx. Published builds run dist/main.js.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
