using Timely.Dataflow;

namespace Timely.Workloads;

/// <summary>
/// What a <see cref="WorkloadAttribute">workload</see> gets on each worker: the worker to build
/// its dataflow on, the size of run asked for and any arguments given on the command line.
/// </summary>
public sealed class WorkloadContext
{
    private readonly Action? _onStartTiming;

    /// <summary>A context for one worker's call (the suite makes these; a unit test of a workload can too).</summary>
    /// <param name="worker">The worker the call runs on.</param>
    /// <param name="size">The size of run.</param>
    /// <param name="arguments">Arguments after <c>--</c> on <c>timely workload</c>'s command line (none in the suite).</param>
    /// <param name="onStartTiming">Called by <see cref="StartTiming"/>: the runner restarts its clock there.</param>
    public WorkloadContext(Worker worker, WorkloadSize size, IReadOnlyList<string> arguments, Action? onStartTiming = null)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(arguments);
        Worker = worker;
        Size = size;
        Arguments = arguments;
        _onStartTiming = onStartTiming;
    }

    /// <summary>The worker this call runs on; every worker of the run calls the workload once.</summary>
    public Worker Worker { get; }

    /// <summary>The size of run the suite asks for.</summary>
    public WorkloadSize Size { get; }

    /// <summary>Arguments after <c>--</c> on <c>timely workload</c>'s command line; empty in the suite.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>This worker's index, 0..<see cref="Peers"/>-1.</summary>
    public int Index => Worker.Index;

    /// <summary>Workers in the whole run, over every process.</summary>
    public int Peers => Worker.Peers;

    /// <summary>
    /// Starts the timed part here on this worker, leaving out what came before (generating input
    /// data, building the dataflow). Without a call the whole call is timed. Call it at the same
    /// point on every worker.
    /// </summary>
    public void StartTiming() => _onStartTiming?.Invoke();

    /// <summary>The value for this run's <see cref="Size"/>: e.g. <c>context.BySize(1_000_000, 50_000, 1_000)</c> records.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="full">At <see cref="WorkloadSize.Full"/>.</param>
    /// <param name="quick">At <see cref="WorkloadSize.Quick"/>.</param>
    /// <param name="smoke">At <see cref="WorkloadSize.Smoke"/>.</param>
    /// <returns>One of the three.</returns>
    public T BySize<T>(T full, T quick, T smoke) => Size switch
    {
        WorkloadSize.Full => full,
        WorkloadSize.Quick => quick,
        _ => smoke,
    };
}
