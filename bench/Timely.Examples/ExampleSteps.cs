using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>The driving idioms timely's examples share: advance an input and step until the probe passes, then close and finish.</summary>
internal static class ExampleSteps
{
    /// <summary>
    /// Advances <paramref name="input"/> to <paramref name="time"/> and steps until <paramref name="probe"/> has passed every
    /// earlier time, parking when idle (see <see cref="WaitFor"/>).
    /// </summary>
    public static void AdvanceAndWait<TData>(Worker worker, InputHandle<ulong, TData> input, ProbeHandle<ulong> probe, ulong time)
    {
        input.AdvanceTo(time);
        WaitFor(worker, probe, time);
    }

    /// <summary>
    /// Steps until <paramref name="probe"/> has passed every time before <paramref name="time"/>. A step
    /// that finds nothing to do spins a while and then parks until a message or a peer's progress
    /// arrives (<see cref="Worker.StepOrPark"/>): a worker that waits for its peer gives its core
    /// back, where spinning in <see cref="Worker.Step"/> would hold it while the peer it waits for
    /// waits for a core. The probe moves only when a step applies progress, which an arrival wakes.
    /// </summary>
    public static void WaitFor(Worker worker, ProbeHandle<ulong> probe, ulong time)
    {
        while (probe.LessThan(time))
        {
            worker.StepOrPark(null);
        }
    }

    /// <summary>Closes <paramref name="inputs"/> and steps (parking when idle) until the worker's dataflows are complete.</summary>
    public static void Finish(Worker worker, params IDisposable[] inputs)
    {
        foreach (var input in inputs)
        {
            input.Dispose();
        }

        while (worker.StepOrPark(null))
        {
        }
    }
}
