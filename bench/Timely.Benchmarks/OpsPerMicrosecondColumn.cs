using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Timely.Benchmarks;

/// <summary>
/// Operations per microsecond from the median, where an "operation" is one of the
/// benchmark's <c>OperationsPerInvoke</c> (one message, one record): the unit that
/// compares across message sizes and against the cache-line floor.
/// </summary>
public sealed class OpsPerMicrosecondColumn : IColumn
{
    public string Id => nameof(OpsPerMicrosecondColumn);
    public string ColumnName => "ops/µs";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Operations per microsecond (from the median time per operation)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        var stats = report?.ResultStatistics;
        if (stats is null || stats.Median <= 0)
        {
            return "-";
        }

        // ResultStatistics are per operation already (OperationsPerInvoke is divided out).
        return (1000.0 / stats.Median).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
}
