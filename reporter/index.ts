// The reporter's public surface: result schema, conversion from k6 summaries, result files,
// comparison and its renderers.
export { ResultSchema, SCHEMA_VERSION, ERROR_KINDS, resultJsonSchema, type Result, type Capacity, type CapacityStep } from './schema.ts';
export { detectInput, resultFromSummary, overheadOf, InputError, type ResultMeta, type Conversion, type InputFormat } from './from-summary.ts';
export { loadResult, readJsonFile, InputFileError } from './read.ts';
export { writeResultFile, writeFileAtomic, sanitizeName, resultFileBase, FileExistsError, OutputError } from './write.ts';
export { compareResults, type Comparison, type CompareInput, type CompareOptions } from './compare.ts';
export { parseGates, evaluateGate, type Gate, type GateResult } from './gates.ts';
export { METRICS, formatValue, formatDelta, formatRatio } from './metrics.ts';
export { renderTable, renderMarkdown, renderJson } from './render.ts';
export { renderHtml } from './html.ts';
export { readPoints, type PointSeries } from './points.ts';
