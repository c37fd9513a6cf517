using Timely.Dataflow.Capture;

namespace Timely.Dataflow.Logging;

/// <summary>
/// Turns a worker's <c>"timely"</c> log into a capture stream (timely's <c>BatchLogger</c>): each
/// batch becomes one <see cref="Event{T, TData}.Messages"/> at the stream's current time, each
/// advance of the logger's bound a <see cref="Event{T, TData}.Progress"/>, and the end of the log
/// the release of the last capability, so that any <see cref="IEventPusher{T, TData}"/> (an
/// <see cref="EventWriter{T, TData}"/> over a file or a socket, an <see cref="EventLink{T, TData}"/>)
/// carries it and <c>ReplayInto</c> turns it back into an ordinary stream. Times are nanoseconds
/// since the worker started.
/// </summary>
/// <example>
/// <code>
/// var logger = new BatchLogger(worker.Index, new EventWriter&lt;ulong, LogRecord&gt;(socketStream));
/// worker.Log.Register&lt;TimelyEvent&gt;(BatchLogger.TimelyLogName, logger.Publish, logger.Close);
/// </code>
/// </example>
public sealed class BatchLogger
{
    // Design: owned by the worker thread whose log registry flushes into it (a registry is per
    // worker and flushes on that thread); the pusher it writes to decides how events cross threads.

    /// <summary>The name of a worker's dataflow event log (timely's <c>"timely"</c>).</summary>
    public const string TimelyLogName = "timely";

    private readonly int _worker;
    private readonly IEventPusher<ulong, LogRecord> _pusher;
    private ulong _time;
    private bool _closed;

    /// <summary>A batch logger for worker <paramref name="worker"/> pushing into <paramref name="pusher"/>.</summary>
    public BatchLogger(int worker, IEventPusher<ulong, LogRecord> pusher)
    {
        ArgumentNullException.ThrowIfNull(pusher);
        LogRecordCodec.EnsureRegistered();
        _worker = worker;
        _pusher = pusher;
    }

    /// <summary>Nanoseconds of <paramref name="time"/>: the capture timestamp of an event at that time.</summary>
    public static ulong TimestampOf(TimeSpan time) => (ulong)Math.Max(0, time.Ticks) * 100;

    /// <summary>The <see cref="Timely.Logging.LogAction{T}"/>: the batch at the stream's time, then the time advanced to <paramref name="time"/>.</summary>
    public void Publish(TimeSpan time, ReadOnlySpan<(TimeSpan Time, TimelyEvent Event)> batch)
    {
        if (_closed)
        {
            return;
        }

        if (!batch.IsEmpty)
        {
            var data = new List<LogRecord>(batch.Length);
            foreach (var (at, e) in batch)
            {
                data.Add(new LogRecord(at, _worker, e));
            }

            _pusher.Push(new Event<ulong, LogRecord>.Messages(_time, data));
        }

        ulong next = TimestampOf(time);
        if (_time < next)
        {
            _pusher.Push(new Event<ulong, LogRecord>.Progress([(next, 1), (_time, -1)]));
            _time = next;
        }
    }

    /// <summary>The log's end (the close callback of <see cref="Timely.Logging.LogRegistry.Register{T}"/>): releases the stream's last capability and disposes the pusher if it is disposable (a writer closes its file or socket).</summary>
    public void Close(TimeSpan time)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _pusher.Push(new Event<ulong, LogRecord>.Progress([(_time, -1)]));
        if (_pusher is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
