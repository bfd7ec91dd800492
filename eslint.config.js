// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

/** Calls that would make the pure protocol core depend on wall time, randomness or I/O. */
const impureInCore = [
  { object: "Date", property: "now", message: "The core takes time as nowMs input." },
  { object: "Math", property: "random", message: "The core takes an injected Rng." },
  { object: "performance", property: "now", message: "The core takes time as nowMs input." },
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "bench/results/", "test/fixtures/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", "bin/*.js", "scripts/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      // Interface implementations (AgentControl, fastify handlers and hooks) are async by
      // contract even when a particular one has nothing to await.
      "@typescript-eslint/require-await": "off",
      "no-restricted-syntax": [
        "error",
        { selector: "TSEnumDeclaration", message: "Use `as const` objects, not enums." },
      ],
    },
  },
  {
    files: ["src/swim/core/**/*.ts"],
    rules: {
      "no-restricted-properties": ["error", ...impureInCore],
      "no-restricted-globals": [
        "error",
        "setTimeout",
        "setInterval",
        "setImmediate",
        "clearTimeout",
        "clearInterval",
        "process",
        "Buffer",
      ],
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "The core is sans-I/O." },
            {
              group: ["**/runtime/**", "**/agent/**", "**/http-api/**", "**/sim/**"],
              message: "The core never imports outer rings.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.node },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      // Tests destructure helpers from objects freely.
      "@typescript-eslint/unbound-method": "off",
    },
  },
);
