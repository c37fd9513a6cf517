using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Logging;

namespace Timely.Dataflow.Logging;

/// <summary>
/// Logs each message pushed to one target of a dataflow channel (timely's <c>LogPusher</c>):
/// numbers it (per channel and target), stamps it with its sender and number, and logs a
/// <see cref="TimelyEventKind.Messages"/> send. Only put in place when a <c>"timely"</c> logger
/// is registered when the channel is built, so a run without logging has no wrapper at all.
/// </summary>
internal sealed class LogPusher<T, TData>(IPush<Message<T, TData>> inner, Logger<TimelyEvent> log, int channel, int source, int target) : IPush<Message<T, TData>>
{
    // Design: owned by the worker thread that pushes on the channel it wraps; logs to that worker's
    // logger, which is the worker's own.
    private long _seq;

    public void Push(ref Message<T, TData>? item)
    {
        if (item is not null)
        {
            item.From = source;
            item.Seq = _seq;
            log.Log(TimelyEvent.Messages(true, channel, source, target, _seq++, item.Data.Count));
        }

        inner.Push(ref item);
    }

    public void Done() => inner.Done();
}
