using Timely.Workloads;

namespace Timely.Bench.Workloads;

/// <summary>One <c>[Workload]</c> method found in a workloads assembly.</summary>
/// <param name="Name">Its name (<see cref="WorkloadAttribute.Name"/>).</param>
/// <param name="Configurations">The configurations it runs on.</param>
/// <param name="Method">The type and method, for messages (<c>MyBenchmarks.SumByKey</c>).</param>
/// <param name="Run">The method itself.</param>
public sealed record WorkloadEntry(string Name, WorkloadConfigurations Configurations, string Method, Func<WorkloadContext, WorkloadOutcome> Run);
