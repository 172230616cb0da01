// Tests use the sample generators the benchmarks use; they live in SampleMedia so the
// `facepipe` executable does not link test code.
@_exported import SampleMedia
