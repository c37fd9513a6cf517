using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Logging;

namespace Timely.Dataflow.Logging;

/// <summary>
/// Logs each message pulled from a dataflow channel (timely's <c>LogPuller</c>) with the sender
/// and number its <see cref="LogPusher{T, TData}"/> stamped; a message that crossed a byte transport
/// carries the same two from its wire header (stamped by the byte allocator's inbox).
/// </summary>
internal sealed class LogPuller<T, TData>(IPull<Message<T, TData>> inner, Logger<TimelyEvent> log, int channel, int target) : IPull<Message<T, TData>>
{
    // Design: owned by the worker thread that pulls from the channel it wraps; logs to that worker's
    // logger, which is the worker's own.

    public ref Message<T, TData>? Pull()
    {
        ref var slot = ref inner.Pull();
        if (slot is { } message)
        {
            log.Log(TimelyEvent.Messages(false, channel, message.From, target, message.Seq, message.Data.Count));
        }

        return ref slot;
    }
}
