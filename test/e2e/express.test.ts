import { exampleSuite } from "./example-flow.js";

exampleSuite("express");
