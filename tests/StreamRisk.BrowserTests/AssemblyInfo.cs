// One test at a time: the demo-pipeline test loads the (shared, 2-core) machine, and the others measure how soon the
// page shows what was published.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
