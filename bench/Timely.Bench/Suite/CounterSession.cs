using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Timely.Bench.Suite;

/// <summary>
/// Reads a child process's runtime counters ("System.Runtime" EventCounters) over EventPipe
/// through Microsoft.Diagnostics.NETCore.Client, parsed by TraceEvent.
/// </summary>
/// <remarks>
/// Counters arrive once per <see cref="IntervalSeconds"/>; a run shorter than one interval
/// yields none, and the last partial interval before exit is never reported, so these sums are
/// lower bounds — the suite says so by naming the source of every figure.
/// </remarks>
// Design: Attach runs on the suite's thread; one background thread per session runs TraceEvent's
// Process() loop and is the only writer of the sums (_intervals, _gen0, _allocated, _cpuMs,
// _error); it ends when the child exits (the EventPipe stream closes) or the session is stopped.
// Finish joins that thread before reading the sums, so the join publishes them and no field needs
// to be volatile. _stopNote is written only by the thread that calls Finish/Dispose.
public sealed class CounterSession : IDisposable
{
    /// <summary>Counter interval. Short, since suite runs last from 100 ms to seconds.</summary>
    public const double IntervalSeconds = 0.1;

    private readonly EventPipeSession _session;
    private readonly Thread _reader;
    private readonly int _cores = Environment.ProcessorCount;
    private int _intervals;
    private long _gen0;
    private long _allocated;
    private double _cpuMs;
    private string? _error;
    private string? _stopNote;

    private CounterSession(EventPipeSession session)
    {
        _session = session;
        _reader = new Thread(Read) { IsBackground = true, Name = "counter session" };
        _reader.Start();
    }

    /// <summary>
    /// Attaches to <paramref name="pid"/>, waiting up to <paramref name="wait"/> for its diagnostic
    /// port to appear (a child just started has not opened it yet). Returns null with the reason
    /// when it cannot (the process exited first, or the port never appeared).
    /// </summary>
    public static CounterSession? Attach(int pid, TimeSpan wait, out string? reason)
    {
        var deadline = DateTime.UtcNow + wait;
        var providers = new[]
        {
            new EventPipeProvider(
                "System.Runtime",
                EventLevel.Informational,
                (long)EventKeywords.None,
                new Dictionary<string, string> { ["EventCounterIntervalSec"] = IntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
        };
        Exception? last = null;
        var spin = new SpinWait();
        while (DateTime.UtcNow < deadline)
        {
            // The runtime publishes its port as $TMPDIR/dotnet-diagnostic-{pid}-{key}-socket; the child
            // inherits our TMPDIR. (DiagnosticsClient.GetPublishedProcesses reads every process's
            // environ and throws when one exits meanwhile, so it is not used.)
            if (Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{pid}-*-socket").Length > 0)
            {
                try
                {
                    var session = new DiagnosticsClient(pid).StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 16);
                    reason = null;
                    return new CounterSession(session);
                }
                catch (Exception e) when (e is ServerNotAvailableException or DiagnosticsClientException or IOException or UnauthorizedAccessException)
                {
                    last = e;
                }
            }

            spin.SpinOnce(sleep1Threshold: 10);
        }

        reason = last is null ? "diagnostic port did not appear in time" : $"attach failed: {last.Message}";
        return null;
    }

    /// <summary>Waits (bounded) for the stream to end after the child exited and returns the sums, or null with the reason.</summary>
    public ProcessCounters? Finish(TimeSpan wait, out string? reason)
    {
        if (!_reader.Join(wait))
        {
            StopSession();
            _reader.Join(wait);
        }

        if (_error is not null)
        {
            reason = _error;
            return null;
        }

        if (_intervals == 0)
        {
            reason = $"the run ended before the first {IntervalSeconds * 1000:0} ms counter interval{(_stopNote is null ? "" : $" ({_stopNote})")}";
            return null;
        }

        reason = null;
        return new ProcessCounters(_intervals, _gen0, _allocated, _cpuMs);
    }

    public void Dispose()
    {
        StopSession();
        _reader.Join(TimeSpan.FromSeconds(2));
        _session.Dispose();
    }

    private void StopSession()
    {
        try
        {
            _session.Stop();
        }
        catch (Exception e) when (e is ServerNotAvailableException or IOException)
        {
            // The child has exited, which also ended the session; kept for the reason text.
            _stopNote = e.Message;
        }
    }

    private void Read()
    {
        try
        {
            using var source = new EventPipeEventSource(_session.EventStream);
            source.Dynamic.All += OnEvent;
            source.Process();
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or InvalidOperationException or ObjectDisposedException)
        {
            // A stream cut by the child's exit mid-block is normal; only record it when nothing arrived.
            if (_intervals == 0)
            {
                _error = $"event stream: {e.Message}";
            }
        }
    }

    private void OnEvent(TraceEvent e)
    {
        if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer || outer["Payload"] is not IDictionary<string, object> payload)
        {
            return;
        }

        string name = payload.TryGetValue("Name", out var n) ? n?.ToString() ?? "" : "";
        double interval = payload.TryGetValue("IntervalSec", out var i) ? Convert.ToDouble(i, System.Globalization.CultureInfo.InvariantCulture) : IntervalSeconds;
        switch (name)
        {
            case "gen-0-gc-count":
                _gen0 += (long)Value(payload, "Increment");
                break;
            case "alloc-rate":
                _allocated += (long)Value(payload, "Increment");
                break;
            case "cpu-usage":
                // cpu-usage is a percentage of the whole machine (all cores) over the interval.
                _cpuMs += Value(payload, "Mean") / 100 * _cores * interval * 1000;
                _intervals++;
                break;
            default:
                break;
        }
    }

    private static double Value(IDictionary<string, object> payload, string key) =>
        payload.TryGetValue(key, out var v) ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) : 0;
}
