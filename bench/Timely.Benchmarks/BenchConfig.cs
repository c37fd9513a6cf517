using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;

namespace Timely.Benchmarks;

/// <summary>
/// The one BenchmarkDotNet configuration every class runs under, so every figure is measured
/// the same way; each setting's reason is below.
/// </summary>
/// <remarks>
/// - Workstation, non-concurrent GC: the `timely` workloads run that way, and on a 2-core
///   machine a background GC thread steals a core from the measured threads.
/// - MemoryDiagnoser on everything: 0 B per message in steady state is a requirement.
/// - Median and ratio columns: the machine is noisy and flips between a fast and a slow
///   state, so a figure is only read as a median and as a ratio to a baseline measured
///   in the same run.
/// - Markdown export: perf.md tables are pasted from BenchmarkDotNet.Artifacts/results.
/// </remarks>
public static class BenchConfig
{
    public static IConfig Create() =>
        ManualConfig.CreateEmpty()
            .AddJob(Job.Default.WithGcServer(false).WithGcConcurrent(false))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median, new OpsPerMicrosecondColumn())
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .WithOptions(ConfigOptions.JoinSummary);
}
