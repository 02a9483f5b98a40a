// Express 4 and Koa 2 are installed under aliases for the compatibility test; their runtime
// API is what the adapters use, so they borrow the current frameworks' types.
declare module "express4" {
  import express from "express";
  export default express;
}
declare module "koa2" {
  import Koa from "koa";
  export default Koa;
}
