"""The signed work diary: device keys, signed hash-chained records, export bundles and verify."""
