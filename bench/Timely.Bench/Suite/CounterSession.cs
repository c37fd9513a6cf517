using System.Runtime.CompilerServices;
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
/// The counters are an instrument, not the thing measured: no failure of theirs (attach, the
/// reader thread, stop, disposal; any exception type) escapes this type. Each becomes a reason
/// starting "not measured: ", and the run it watched goes on.
/// </remarks>
// Design: Attach runs on the suite's thread; one background thread per session runs TraceEvent's
// Process() loop and is the only writer of the sums (_intervals, _gen0, _allocated, _cpuMs) and of
// _error; it ends when the child exits (the EventPipe stream closes) or the pipe is stopped or
// disposed. Its body catches every exception: an exception escaping a thread kills the process
// (a FormatException from TraceEvent's RewindableStream.Read once did, and lost the whole suite run).
// Finish reads the sums only after a successful Join, which publishes them, so no field needs to
// be volatile; a reader that does not end is "not measured", never read while it runs.
// _closed and _closeError are touched only by the thread that calls Finish/Dispose.
public sealed class CounterSession : IDisposable
{
    /// <summary>Counter interval. Short, since suite runs last from 100 ms to seconds.</summary>
    public const double IntervalSeconds = 0.1;

    private readonly ICounterPipe _pipe;
    private readonly Thread _reader;
    private readonly int _cores = Environment.ProcessorCount;
    private int _intervals;
    private long _gen0;
    private long _allocated;
    private double _cpuMs;
    private string? _error;
    private bool _closed;
    private string? _closeError;

    private CounterSession(ICounterPipe pipe)
    {
        _pipe = pipe;
        _reader = new Thread(Read) { IsBackground = true, Name = "counter session" };
        _reader.Start();
    }

    /// <summary>
    /// Attaches to <paramref name="pid"/>, waiting up to <paramref name="wait"/> for its diagnostic
    /// port to appear (a child just started has not opened it yet). Returns null with the reason
    /// when it cannot (the process exited first, or the port never appeared).
    /// </summary>
    public static CounterSession? Attach(int pid, TimeSpan wait, out string? reason) => Attach(pid, wait, EventPipeCounterPipe.Open, out reason);

    /// <summary>As <see cref="Attach(int, TimeSpan, out string?)"/>, with the pipe opened by <paramref name="open"/> (retried until <paramref name="wait"/>).</summary>
    internal static CounterSession? Attach(int pid, TimeSpan wait, Func<int, ICounterPipe> open, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(open);
        var deadline = DateTime.UtcNow + wait;
        Exception? last = null;
        var spin = new SpinWait();
        do
        {
            try
            {
                var session = new CounterSession(open(pid));
                reason = null;
                return session;
            }
            catch (Exception e)
            {
                // Any failure to open (no port yet, the child exited, a refused session) is retried
                // until the deadline and then named; none may end the run being watched.
                last = e;
            }

            spin.SpinOnce(sleep1Threshold: 10);
        }
        while (DateTime.UtcNow < deadline);

        reason = NotMeasured($"attach failed: {Describe(last)}");
        return null;
    }

    /// <summary>
    /// Counter windows a run needs before its counters are a figure. One window is not enough: it
    /// carries the runtime's first poll of each counter since the session began, with no earlier
    /// poll to difference against, and rows with a single window printed "0.00, 0.00, 0.00" as if
    /// measured. Two windows give at least one whole interval.
    /// </summary>
    public const int MinimumIntervals = 2;

    /// <summary>Why <paramref name="intervals"/> counter windows are too few for a figure ("too short: ..."), or null when they are enough.</summary>
    internal static string? TooShort(int intervals) => intervals >= MinimumIntervals
        ? null
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"too short: {intervals} of the {MinimumIntervals} counter windows of {IntervalSeconds * 1000:0} ms a figure needs arrived before exit");

    /// <summary>"not measured: <paramref name="why"/>", the one spelling of a counter failure.</summary>
    public static string NotMeasured(string why) => "not measured: " + why;

    /// <summary>
    /// Waits (bounded by about 2 x <paramref name="wait"/>) for the stream to end after the child
    /// exited, ends the session, and returns the sums, or null with the reason. Never throws.
    /// </summary>
    public ProcessCounters? Finish(TimeSpan wait, out string? reason)
    {
        Close(wait);
        if (_reader.IsAlive)
        {
            reason = NotMeasured($"the counter reader did not end within {2 * wait.TotalSeconds:0.##} s of the process's exit");
            return null;
        }

        if (_error is not null || _closeError is not null)
        {
            reason = NotMeasured(string.Join("; ", new[] { _error, _closeError }.Where(e => e is not null)));
            return null;
        }

        reason = TooShort(_intervals);
        return reason is null ? new ProcessCounters(_intervals, _gen0, _allocated, _cpuMs) : null;
    }

    /// <summary>Ends the session if <see cref="Finish"/> did not; never throws (Finish is where failures are reported).</summary>
    public void Dispose() => Close(TimeSpan.FromSeconds(2));

    /// <summary>
    /// Lets the reader end (join; then stop the session and join; then dispose the pipe, which
    /// also cuts a reader blocked in a read, and join), recording any failure in _closeError.
    /// </summary>
    private void Close(TimeSpan wait)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        var errors = new List<string>();
        if (!_reader.Join(wait))
        {
            Attempt("stop", _pipe.Stop, errors);
            _reader.Join(wait);
        }

        Attempt("disposal", _pipe.Dispose, errors);
        if (_reader.IsAlive)
        {
            _reader.Join(wait);
        }

        _closeError = errors.Count == 0 ? null : string.Join("; ", errors);
    }

    private static void Attempt(string step, Action action, List<string> errors)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            // Stop and disposal talk to a child that may be gone; whatever they throw is a reason.
            errors.Add($"session {step} failed: {Describe(e)}");
        }
    }

    private static string Describe(Exception? e) => e is null ? "no attempt completed in time" : $"{e.GetType().Name}: {e.Message}";

    private void Read()
    {
        // TraceEvent (netstandard2.0, not trim- or AOT-annotated) parses the stream through
        // reflection-heavy code; a Native AOT build leaves it out (the branch is a constant there,
        // so none of it is compiled) and says so instead of measuring.
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            _error = "counters are parsed by TraceEvent, which a Native AOT build of timely leaves out; pass --no-counters, or run the JIT build (timely.dll) to measure them";
            return;
        }

        try
        {
            ParseEventStream();
        }
        catch (Exception e)
        {
            // The child's exit cutting the stream mid-block after intervals arrived is the normal
            // end: those intervals stand (the last partial one is lost either way, see the
            // remarks). Anything else (TraceEvent's FormatException on a truncated block, a
            // failing event handler, a disposed stream, ...) voids this session's figures.
            if (!(e is IOException or EndOfStreamException && _intervals > 0))
            {
                _error = $"event stream failed ({Describe(e)})";
            }
        }
    }

    private void ParseEventStream()
    {
        using var source = new EventPipeEventSource(_pipe.EventStream);
        source.Dynamic.All += OnEvent;
        source.Process();
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
