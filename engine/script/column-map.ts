// Columns of a bundle rewritten for event-loop VUs (coroutines.ts), for stack traces (source-map.ts).

/**
 * Where each rewritten line's columns were in the bundle: per line (0-based), the points
 * [rewritten column, bundle column] from which the columns run in step, or, flagged `true`, all
 * point at that one bundle column (text the rewrite added). Lines are the same: the rewrite keeps
 * every line break.
 */
export type ColumnMap = Map<number, Array<[number, number] | [number, number, true]>>;

/** The bundle's column (0-based) of a column of the rewritten code. */
export function bundleColumn(map: ColumnMap, line: number, column: number): number {
  const points = map.get(line);
  if (points === undefined) return column;
  let point: [number, number] | [number, number, true] = [0, 0];
  for (const p of points) {
    if (p[0] > column) break;
    point = p;
  }
  return point.length === 3 ? point[1] : point[1] + (column - point[0]);
}
