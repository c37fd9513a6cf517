using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>The parameters of <see cref="Overload"/>.</summary>
/// <param name="Seconds">How long the producer offers records (the measured part).</param>
/// <param name="CostNanoseconds">Busy time the consumer spends per record: its capacity is 1e9 / this records per second.</param>
/// <param name="Ratio">The producer offers this many times the consumer's capacity.</param>
/// <param name="RecordsPerTime">Records at each time before the producer's input moves to the next.</param>
/// <param name="Bound">Makes the producer's input bound from the dataflow's probe (null: no bound).</param>
public sealed record OverloadSettings(double Seconds, double CostNanoseconds, double Ratio, int RecordsPerTime, Func<ProbeHandle<ulong>, SourceBound<ulong>>? Bound);
