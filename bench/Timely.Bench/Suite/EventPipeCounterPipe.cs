using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace Timely.Bench.Suite;

/// <summary>A child's real "System.Runtime" counter session over its diagnostic port.</summary>
internal sealed class EventPipeCounterPipe : ICounterPipe
{
    private readonly EventPipeSession _session;

    private EventPipeCounterPipe(EventPipeSession session) => _session = session;

    public Stream EventStream => _session.EventStream;

    /// <summary>
    /// Starts the session in process <paramref name="pid"/>, or throws (no diagnostic port yet, the
    /// process exited, ...). The runtime publishes its port as
    /// $TMPDIR/dotnet-diagnostic-{pid}-{key}-socket; the child inherits our TMPDIR.
    /// (DiagnosticsClient.GetPublishedProcesses reads every process's environ and throws when one
    /// exits meanwhile, so it is not used.)
    /// </summary>
    public static ICounterPipe Open(int pid)
    {
        if (Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-*-socket").Length == 0)
        {
            throw new ServerNotAvailableException($"process {pid} has not published a diagnostic port (yet).");
        }

        var providers = new[]
        {
            new EventPipeProvider(
                "System.Runtime",
                EventLevel.Informational,
                (long)EventKeywords.None,
                new Dictionary<string, string> { ["EventCounterIntervalSec"] = CounterSession.IntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
        };
        return new EventPipeCounterPipe(new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 16));
    }

    public void Stop() => _session.Stop();

    public void Dispose() => _session.Dispose();
}
