using System.Diagnostics.Metrics;

namespace Timely.Dataflow.Diagnostics;

/// <summary>
/// The <c>Timely.Dataflow</c> meter, named by OpenTelemetry's conventions (dotted lower-case
/// names, UCUM units, <c>timely.*</c> attributes), for <c>dotnet-counters monitor --counters
/// Timely.Dataflow</c> or any MeterListener or OpenTelemetry exporter:
/// <list type="bullet">
/// <item><c>timely.operator.schedule.duration</c> (histogram, s): one measurement per operator run, so its count is the number of schedules; attributes <c>timely.worker</c>, <c>timely.dataflow</c>, <c>timely.operator</c> (the operator's name and index, <c>Exchange#3</c>).</item>
/// <item><c>timely.channel.records</c> and <c>timely.channel.batches</c> (counters, <c>{record}</c>, <c>{batch}</c>): what each operator input received; attributes <c>timely.worker</c>, <c>timely.dataflow</c>, <c>timely.channel</c> (the receiving operator and port, <c>Inspect#4:0</c>).</item>
/// <item><c>timely.source.held_back</c> (counter, s): time a bounded source (<see cref="Operators.SourceBound{T}"/>, or the job's overflow budget) waited instead of sending; attributes <c>timely.worker</c>, <c>timely.dataflow</c>, <c>timely.operator</c> (the source's operator index).</item>
/// <item><c>timely.probe.lag</c> (gauge, <c>{time}</c>): how far a probe's frontier is behind the latest time an input of its dataflow moved to, for integer times; 0 once the probe is done, and no longer reported once its dataflow has completed on the worker; attributes <c>timely.worker</c>, <c>timely.dataflow</c>, <c>timely.probe</c>.</item>
/// </list>
/// </summary>
/// <remarks>
/// Nothing is measured while no listener is on an instrument: each site tests
/// <see cref="Instrument.Enabled"/> (one field read) first, so an unobserved run keeps its speed.
/// An observed run pays two timestamps per operator run and two counter updates per received
/// batch (not per record); perf.md §15 has the figure.
/// </remarks>
public static class DataflowMetrics
{
    /// <summary>Name of the meter.</summary>
    public const string MeterName = "Timely.Dataflow";

    private static readonly Meter Meter = new(MeterName, "1.0");
    private static readonly Lock Gate = new();
    private static readonly Dictionary<Worker, List<ProbeLag>> Probes = new(ReferenceEqualityComparer.Instance);

    internal static readonly Histogram<double> ScheduleDuration = Meter.CreateHistogram(
        "timely.operator.schedule.duration", "s", "Time an operator ran for, one measurement per run (the count is the number of schedules).",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1e-6, 4e-6, 16e-6, 64e-6, 256e-6, 1e-3, 4e-3, 16e-3, 64e-3, 0.25, 1] });

    internal static readonly Counter<long> ChannelRecords = Meter.CreateCounter<long>(
        "timely.channel.records", "{record}", "Records an operator input received.");

    internal static readonly Counter<long> ChannelBatches = Meter.CreateCounter<long>(
        "timely.channel.batches", "{batch}", "Batches (messages) an operator input received.");

    internal static readonly Counter<double> HeldBack = Meter.CreateCounter<double>(
        "timely.source.held_back", "s", "Time a bounded source waited for its dataflow instead of sending.");

    static DataflowMetrics() =>
        Meter.CreateObservableGauge("timely.probe.lag", ObserveLag, "{time}",
            "How far a probe's frontier is behind the latest time an input of its dataflow moved to (integer times).");

    /// <summary>Registers a probe of <paramref name="scope"/> for <c>timely.probe.lag</c>; null for times that are not integers.</summary>
    internal static ProbeLag? RegisterProbe<T>(Scope<T> scope, int operatorIndex)
    {
        if (LatestInputTime<T>.AsLong(default!) < 0)
        {
            return null;
        }

        var latest = scope.LatestInputTime;
        var probe = new ProbeLag(
            () => latest.Value,
            new("timely.worker", scope.Worker.Index),
            new("timely.dataflow", scope.DataflowIndex),
            new("timely.probe", operatorIndex))
        {
            DataflowIndex = scope.DataflowIndex,
        };
        lock (Gate)
        {
            if (!Probes.TryGetValue(scope.Worker, out var list))
            {
                Probes[scope.Worker] = list = new();
            }

            list.Add(probe);
        }

        return probe;
    }

    /// <summary>Forgets the probes of dataflow <paramref name="dataflowIndex"/> of <paramref name="worker"/>, which completed (their lag is 0 from then on).</summary>
    internal static void ForgetDataflow(Worker worker, int dataflowIndex)
    {
        lock (Gate)
        {
            if (Probes.TryGetValue(worker, out var list))
            {
                list.RemoveAll(probe => probe.DataflowIndex == dataflowIndex);
            }
        }
    }

    /// <summary>Forgets the probes of a worker that ended.</summary>
    internal static void Forget(Worker worker)
    {
        lock (Gate)
        {
            Probes.Remove(worker);
        }
    }

    private static IEnumerable<Measurement<long>> ObserveLag()
    {
        List<Measurement<long>> measurements = new();
        lock (Gate)
        {
            foreach (var list in Probes.Values)
            {
                foreach (var probe in list)
                {
                    if (probe.Lag() is long lag)
                    {
                        measurements.Add(new Measurement<long>(lag, probe.Worker, probe.Dataflow, probe.Probe));
                    }
                }
            }
        }

        return measurements;
    }

    /// <summary>One probe's frontier, published by its worker for the lag gauge.</summary>
    internal sealed class ProbeLag(Func<long> latestInput, KeyValuePair<string, object?> worker, KeyValuePair<string, object?> dataflow, KeyValuePair<string, object?> probe)
    {
        // Design: Publish runs on the probe's worker thread, Lag on the collector's; the frontier
        // is one long written and read with Volatile (long.MaxValue: done, -1: not yet known).
        private long _frontier = -1;

        public KeyValuePair<string, object?> Worker { get; } = worker;

        public KeyValuePair<string, object?> Dataflow { get; } = dataflow;

        public KeyValuePair<string, object?> Probe { get; } = probe;

        /// <summary>The probe's dataflow on its worker (forgotten when the dataflow completes).</summary>
        public int DataflowIndex { get; init; }

        /// <summary>Worker thread: the probe's frontier now (its least integer time, or done).</summary>
        public void Publish<T>(Progress.MutableAntichain<T> frontier)
        {
            long least = long.MaxValue;
            foreach (var time in frontier.Frontier)
            {
                least = Math.Min(least, LatestInputTime<T>.AsLong(time));
            }

            Volatile.Write(ref _frontier, least);
        }

        /// <summary>The lag now, or null before the probe's frontier or its inputs' time is known.</summary>
        public long? Lag()
        {
            long frontier = Volatile.Read(ref _frontier);
            long input = latestInput();
            if (frontier < 0 || input < 0)
            {
                return null;
            }

            return frontier == long.MaxValue ? 0 : Math.Max(0, input - frontier);
        }
    }
}
