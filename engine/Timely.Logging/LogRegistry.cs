using System.Diagnostics;

namespace Timely.Logging;

/// <summary>
/// Binds log names to typed loggers (timely's <c>logging_core::Registry</c>): a worker's
/// <c>Log</c>. Every logger made here times its events from the registry's origin (the
/// worker's start), so the streams of one worker compare.
/// </summary>
/// <remarks>
/// Owned by one worker thread, like the loggers in it. Code that logs looks a logger up when
/// it is built (a dataflow fetches <c>"timely"</c> when it is created, as timely's does), so
/// a logger registered later is seen by what is built later.
/// </remarks>
public sealed class LogRegistry
{
    private readonly Dictionary<string, object> _loggers = new(StringComparer.Ordinal);
    private readonly List<Action> _flushes = new();
    private readonly Dictionary<string, Action> _closes = new(StringComparer.Ordinal);

    /// <summary>A registry whose loggers time events from <paramref name="origin"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    public LogRegistry(long origin)
    {
        Origin = origin;
    }

    /// <summary>A registry timed from now.</summary>
    public LogRegistry()
        : this(Stopwatch.GetTimestamp())
    {
    }

    /// <summary>The <see cref="Stopwatch.GetTimestamp"/> value that event times count from.</summary>
    public long Origin { get; }

    /// <summary>Raised after a logger is registered or removed, with its name (the worker re-reads the loggers it caches).</summary>
    public event Action<string>? Changed;

    /// <summary>
    /// Binds <paramref name="name"/> to a new logger that hands batches of <typeparamref name="T"/>
    /// to <paramref name="action"/> and, when the stream ends, calls <paramref name="onClose"/>
    /// with the final time. A logger already bound to the name is closed first.
    /// </summary>
    public Logger<T> Register<T>(string name, LogAction<T> action, Action<TimeSpan>? onClose = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        var logger = new Logger<T>(action, Origin, onClose);
        Remove(name);
        _loggers.Add(name, logger);
        _flushes.Add(logger.Flush);
        _closes.Add(name, logger.Close);
        Changed?.Invoke(name);
        return logger;
    }

    /// <summary>The logger bound to <paramref name="name"/> if it logs <typeparamref name="T"/>; otherwise null.</summary>
    public Logger<T>? Get<T>(string name) =>
        _loggers.TryGetValue(name, out var logger) ? logger as Logger<T> : null;

    /// <summary>Closes and unbinds the logger bound to <paramref name="name"/>, ending its stream; false when there was none.</summary>
    public bool Remove(string name)
    {
        if (!_loggers.Remove(name, out var logger))
        {
            return false;
        }

        var close = _closes[name];
        _closes.Remove(name);
        _flushes.RemoveAll(f => ReferenceEquals(f.Target, logger));
        close();
        Changed?.Invoke(name);
        return true;
    }

    /// <summary>Flushes every logger (a worker does it before it parks and when it ends).</summary>
    public void Flush()
    {
        foreach (var flush in _flushes)
        {
            flush();
        }
    }

    /// <summary>Closes and unbinds every logger (a worker does it when its work is done).</summary>
    public void Close()
    {
        foreach (var name in _loggers.Keys.ToArray())
        {
            Remove(name);
        }
    }
}
