// The engine reports the package version (k6 would report its own).
import pkg from '../package.json' with { type: 'json' };

export const version: string = pkg.version;
