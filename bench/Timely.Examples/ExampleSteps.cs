using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.Examples;

/// <summary>The driving idioms timely's examples share: advance an input and step until the probe passes, then close and finish.</summary>
internal static class ExampleSteps
{
    /// <summary>Advances <paramref name="input"/> to <paramref name="time"/> and steps until <paramref name="probe"/> has passed every earlier time.</summary>
    public static void AdvanceAndWait<TData>(Worker worker, InputHandle<ulong, TData> input, ProbeHandle<ulong> probe, ulong time)
    {
        input.AdvanceTo(time);
        while (probe.LessThan(time))
        {
            worker.Step();
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
