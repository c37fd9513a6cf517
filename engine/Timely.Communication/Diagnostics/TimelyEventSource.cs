using System.Diagnostics.Tracing;

namespace Timely.Communication.Diagnostics;

/// <summary>
/// EventSource <c>Timely-Communication</c>: process-wide totals as polling counters, for
/// tools that read EventCounters (<c>dotnet-counters monitor -p PID Timely-Communication</c>,
/// EventPipe sessions such as the perf suite's child-process reader). Polled once per
/// interval by the runtime; nothing is written on the message path. The library constructs
/// it when the first allocator starts, so a listener sees it without the application touching
/// <see cref="Log"/>; its totals count every allocator since the process started (those that
/// ended too), so they only grow. The library's diagnostics are its <see cref="Diagnostic(int, string, string)"/> events.
/// </summary>
[EventSource(Name = "Timely-Communication")]
public sealed class TimelyEventSource : EventSource
{
    /// <summary>The one instance.</summary>
    public static readonly TimelyEventSource Log = new();

    private IncrementingPollingCounter? _messages;
    private IncrementingPollingCounter? _bytes;
    private IncrementingPollingCounter? _spills;
    private IncrementingPollingCounter? _parks;
    private IncrementingPollingCounter? _wakes;

    private TimelyEventSource()
    {
    }

    /// <summary>Event 1: one of the library's diagnostics (see <see cref="Config.Diagnostics"/>).</summary>
    /// <param name="level">The <see cref="DiagnosticLevel"/> as a number.</param>
    /// <param name="source">The part of the library that says it.</param>
    /// <param name="message">The line.</param>
    [Event(1, Level = EventLevel.Informational, Message = "{1}: {2}")]
    public void Diagnostic(int level, string source, string message)
    {
        if (IsEnabled())
        {
            WriteEvent(1, level, source, message);
        }
    }

    /// <summary>Writes <paramref name="diagnostic"/> as a <see cref="Diagnostic(int, string, string)"/> event when a listener is on.</summary>
    [NonEvent]
    public void Diagnostic(DiagnosticMessage diagnostic)
    {
        if (IsEnabled())
        {
            Diagnostic((int)diagnostic.Level, diagnostic.Source, diagnostic.Message);
        }
    }

    /// <summary>Creates the polling counters (messages-sent, bytes-sent, ring-full-spills, worker-parks, worker-wakes) the first time a listener enables the source, so an unobserved run pays nothing for them.</summary>
    /// <param name="command">The listener's command; only <see cref="EventCommand.Enable"/> creates counters.</param>
    protected override void OnEventCommand(EventCommandEventArgs command)
    {
        if (command.Command != EventCommand.Enable)
        {
            return;
        }

        _messages ??= new IncrementingPollingCounter("messages-sent", this, static () => CommunicationMetrics.Totals().Messages) { DisplayName = "Messages sent", DisplayRateTimeScale = TimeSpan.FromSeconds(1) };
        _bytes ??= new IncrementingPollingCounter("bytes-sent", this, static () => CommunicationMetrics.Totals().Bytes) { DisplayName = "Bytes sent", DisplayUnits = "B", DisplayRateTimeScale = TimeSpan.FromSeconds(1) };
        _spills ??= new IncrementingPollingCounter("ring-full-spills", this, static () => CommunicationMetrics.Totals().Spills) { DisplayName = "Ring-full spills", DisplayRateTimeScale = TimeSpan.FromSeconds(1) };
        _parks ??= new IncrementingPollingCounter("worker-parks", this, static () => CommunicationMetrics.Totals().Parks) { DisplayName = "Worker parks", DisplayRateTimeScale = TimeSpan.FromSeconds(1) };
        _wakes ??= new IncrementingPollingCounter("worker-wakes", this, static () => CommunicationMetrics.Totals().Wakes) { DisplayName = "Worker wake-ups", DisplayRateTimeScale = TimeSpan.FromSeconds(1) };
    }

    /// <summary>Disposes the counters, then the event source.</summary>
    /// <param name="disposing">True when called from <see cref="EventSource.Dispose()"/>.</param>
    protected override void Dispose(bool disposing)
    {
        _messages?.Dispose();
        _bytes?.Dispose();
        _spills?.Dispose();
        _parks?.Dispose();
        _wakes?.Dispose();
        base.Dispose(disposing);
    }
}
