// The demo is filled in by the sync task; see README.
console.log('binlake demo: not built yet');
