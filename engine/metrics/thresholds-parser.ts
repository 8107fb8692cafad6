// Threshold expressions in k6's syntax (metrics/thresholds_parser.go):
//   aggregation whitespace* operator whitespace* number, e.g. "p(95)<500", "rate <= 0.01".

export type Aggregation = 'value' | 'count' | 'rate' | 'avg' | 'min' | 'med' | 'max' | 'p';
export type Operator = '<=' | '<' | '>=' | '>' | '===' | '==' | '!=';

export interface ThresholdExpression {
  aggregation: Aggregation;
  /** The N of p(N); null for other aggregations. */
  percentile: number | null;
  operator: Operator;
  value: number;
}

// Longer tokens sharing characters with shorter ones come first: the first token found wins.
const OPERATORS: readonly Operator[] = ['<=', '<', '>=', '>', '===', '==', '!='];
const AGGREGATIONS: readonly Aggregation[] = ['value', 'count', 'rate', 'avg', 'min', 'med', 'max'];
const FLOAT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Aggregations each metric type supports, as k6 lists them in its error messages. */
export const SUPPORTED_AGGREGATIONS = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'max', 'med', 'p'],
} as const satisfies Record<string, readonly Aggregation[]>;

function parseNumber(text: string): number | null {
  if (FLOAT.test(text)) return Number(text);
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return null;
}

/** Parses one expression; throws an Error whose message quotes the expression and the reason. */
export function parseThresholdExpression(input: string): ThresholdExpression {
  let lhs: string | undefined;
  let operator: Operator | undefined;
  let rhs = '';
  for (const op of OPERATORS) {
    const at = input.indexOf(op);
    if (at !== -1) {
      lhs = input.slice(0, at).trim();
      operator = op;
      rhs = input.slice(at + op.length).trim();
      break;
    }
  }
  if (lhs === undefined || operator === undefined) {
    throw new Error(`failed parsing threshold expression "${input}"; reason: malformed threshold expression (no operator among ${OPERATORS.join(' ')})`);
  }

  let aggregation: Aggregation;
  let percentile: number | null = null;
  if ((AGGREGATIONS as readonly string[]).includes(lhs)) {
    aggregation = lhs as Aggregation;
  } else if (lhs.startsWith('p(') && lhs.endsWith(')')) {
    const p = parseNumber(lhs.slice(2, -1).trim());
    if (p === null || !(p >= 0 && p <= 100)) {
      throw new Error(
        `failed parsing threshold expression's "${input}" left hand side; reason: malformed percentile value "${lhs}" (expected p(N) with N between 0 and 100)`,
      );
    }
    aggregation = 'p';
    percentile = p;
  } else {
    throw new Error(
      `failed parsing threshold expression's "${input}" left hand side; reason: unknown aggregation method "${lhs}" ` +
        `(expected one of ${AGGREGATIONS.join(', ')}, p(N))`,
    );
  }

  const value = parseNumber(rhs);
  if (value === null) {
    throw new Error(`failed parsing threshold expression's "${input}" right hand side; reason: "${rhs}" is not a number`);
  }
  return { aggregation, percentile, operator, value };
}

/** The statistic name an expression reads: "p(95)", "avg", "rate"... (k6's SinkKey). */
export function aggregationKey(expr: ThresholdExpression): string {
  return expr.aggregation === 'p' ? `p(${expr.percentile})` : expr.aggregation;
}

/** Applies the operator; NaN (e.g. the rate of an empty Rate) fails every comparison but "!=". */
export function compare(lhs: number, operator: Operator, rhs: number): boolean {
  switch (operator) {
    case '<':
      return lhs < rhs;
    case '<=':
      return lhs <= rhs;
    case '>':
      return lhs > rhs;
    case '>=':
      return lhs >= rhs;
    case '==':
    case '===':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
  }
}
