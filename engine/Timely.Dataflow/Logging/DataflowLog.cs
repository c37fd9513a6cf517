using Timely.Communication;
using Timely.Communication.Logging;
using Timely.Dataflow.Channels;
using Timely.Logging;

namespace Timely.Dataflow.Logging;

/// <summary>
/// The dataflow core's logging hooks, kept out of the scope and the worker so each of those
/// holds one line per event: operators and channels as they are built, a dataflow's shutdown,
/// and the wrappers that log messages. Every method takes the logger that the dataflow fetched
/// when it was created and does nothing when it is null.
/// </summary>
internal static class DataflowLog
{
    /// <summary>The name of a worker's communication log: registered, it becomes the allocator's <see cref="Allocator.CommunicationLogger"/>.</summary>
    public const string CommunicationLogName = "timely/communication";

    /// <summary>Re-reads the loggers a worker caches after <paramref name="name"/> changed in its registry.</summary>
    public static void OnRegistryChanged(Worker worker, string name)
    {
        if (name == BatchLogger.TimelyLogName)
        {
            worker.TimelyLogger = worker.Log.Get<TimelyEvent>(name);
        }
        else if (name == CommunicationLogName)
        {
            worker.Allocator.CommunicationLogger = worker.Log.Get<CommunicationEvent>(name);
        }
    }

    /// <summary>Logs the park and flushes every log first, as timely does: a parked worker's events should not wait in a buffer.</summary>
    public static void Park(Worker worker, TimeSpan? timeout)
    {
        if (worker.TimelyLogger is { } log)
        {
            log.Log(TimelyEvent.Park(timeout));
            worker.Log.Flush();
        }
    }

    // The address as a span: its array is made only when the event is logged, where a collection
    // expression at the call made one per operator built (event_driven builds a thousand dataflows
    // of thirteen operators in its timed part, logging off).
    public static int Operates(Logger<TimelyEvent>? log, Worker worker, ReadOnlySpan<int> address, string name)
    {
        int id = worker.NextOperatorId();
        log?.Log(TimelyEvent.Operates(id, address.ToArray(), name));
        return id;
    }

    /// <summary>Logs a channel being built and returns its id, or -1 when not logging.</summary>
    public static int Channel<TData>(Logger<TimelyEvent>? log, Worker worker, int dataflow, int source, int sourcePort, int target, int targetPort)
    {
        if (log is null)
        {
            return -1;
        }

        int id = worker.NextLogChannelId();
        log.Log(TimelyEvent.Channels(id, [dataflow], source, sourcePort, target, targetPort, typeof(TData).Name));
        return id;
    }

    public static IPush<Message<T, TData>> Push<T, TData>(Logger<TimelyEvent>? log, int channel, int source, int target, IPush<Message<T, TData>> inner) =>
        log is null ? inner : new LogPusher<T, TData>(inner, log, channel, source, target);

    public static IPush<Message<T, TData>>[] Push<T, TData>(Logger<TimelyEvent>? log, int channel, int source, IPush<Message<T, TData>>[] inner)
    {
        if (log is null)
        {
            return inner;
        }

        var wrapped = new IPush<Message<T, TData>>[inner.Length];
        for (int t = 0; t < inner.Length; t++)
        {
            wrapped[t] = new LogPusher<T, TData>(inner[t], log, channel, source, t);
        }

        return wrapped;
    }

    public static IPull<Message<T, TData>> Pull<T, TData>(Logger<TimelyEvent>? log, int channel, int target, IPull<Message<T, TData>> inner) =>
        log is null ? inner : new LogPuller<T, TData>(inner, log, channel, target);

    /// <summary>Logs the shutdown of every operator of a completed dataflow, then of the dataflow itself.</summary>
    public static void Shutdown(Logger<TimelyEvent>? log, IEnumerable<int> operators, int dataflow)
    {
        if (log is null)
        {
            return;
        }

        foreach (int id in operators)
        {
            log.Log(TimelyEvent.Shutdown(id));
        }

        log.Log(TimelyEvent.Shutdown(dataflow));
    }
}
