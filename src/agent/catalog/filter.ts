/**
 * Consul's filter expression language (the `?filter=` parameter), Shoal's subset: `==`, `!=`,
 * `in`, `not in`, `contains`, `not contains`, `matches`, `not matches`, `is empty`,
 * `is not empty`, `and`, `or`, `not` and parentheses over dotted selectors.
 */
export {
  type FilterExpr,
  type FilterValue,
  type MatchOperator,
  type Selector,
  printFilter,
} from "./filter-ast.js";
export { type FilterPredicate, compileFilter, resolveSelector, selectorExists } from "./filter-eval.js";
export { FilterError, parseFilter } from "./filter-parser.js";
