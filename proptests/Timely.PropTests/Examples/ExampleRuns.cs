using Timely.Dataflow;
using Timely.Examples;
using Config = Timely.Communication.Config;

namespace Timely.PropTests.Examples;

/// <summary>Runs an example in this process on one worker (a thread) or several (one process), as the example properties compare it with its sequential model.</summary>
internal static class ExampleRuns
{
    /// <summary>The example's records and checksum summed over <paramref name="peers"/> workers.</summary>
    public static (long Records, ulong Checksum) Total(int peers, Func<Worker, ExampleResult> run) =>
        ExampleResult.Total(Execute.Run(peers == 1 ? Config.Thread : Config.Process(peers), run));
}
