// ESLint (flat config) for geo's own JavaScript: the studio, its core, the report's charts,
// the map controls and the Node tests. Run by .ci/run (npm run lint).
"use strict";
const js = require("@eslint/js");

const browser = {
  window: "readonly", document: "readonly", self: "readonly", L: "readonly",
  performance: "readonly", requestAnimationFrame: "readonly", setTimeout: "readonly",
  clearTimeout: "readonly", URL: "readonly", Blob: "readonly", FileReader: "readonly",
  Event: "readonly", Intl: "readonly", fetch: "readonly", atob: "readonly", console: "readonly",
  getComputedStyle: "readonly", CSS: "readonly", navigator: "readonly", Path2D: "readonly", MutationObserver: "readonly", module: "writable",
};
const node = {
  require: "readonly", module: "writable", process: "readonly", __dirname: "readonly",
  console: "readonly",
};

module.exports = [
  { ignores: ["node_modules/**", "**/*.jinja", ".venv/**", "docs/_build/**"] },
  js.configs.recommended,
  {
    files: ["geo/**/*.js"],
    languageOptions: { ecmaVersion: 2020, sourceType: "script", globals: browser },
    rules: { "no-var": "off", "no-unused-vars": ["error", { args: "none" }] },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: node },
  },
];
