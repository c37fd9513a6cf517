using Timely.Bytes;
using Timely.Logging;

namespace Timely.Communication.Logging;

/// <summary>
/// The logging of a network thread (timely's <c>tcp.rs</c> send and receive loops): the
/// thread asks <see cref="Config.CommunicationLogging"/> for its logger with its set-up, logs
/// <c>Setup</c> and <c>State(start)</c> when it starts, a <c>Message</c> per frame it moves, and
/// <c>State(stop)</c> when it ends, then closes the logger. Every method is a no-op without a logger.
/// </summary>
internal static class NetworkLog
{
    public static Logger<CommunicationEvent>? Open(Func<CommunicationSetup, Logger<CommunicationEvent>?>? factory, bool send, int process, int remote)
    {
        if (factory is null)
        {
            return null;
        }

        var setup = new CommunicationSetup(send, process, remote);
        var log = factory(setup);
        log?.Log(CommunicationEvent.Of(setup));
        log?.Log(CommunicationEvent.Of(new StateEvent(send, process, remote, Start: true)));
        return log;
    }

    /// <summary>Logs the frame (header first) that <paramref name="frame"/> holds.</summary>
    public static void Frame(Logger<CommunicationEvent> log, bool send, ReadOnlySpan<byte> frame)
    {
        if (MessageHeader.TryRead(frame, out var header))
        {
            log.Log(CommunicationEvent.Of(new MessageEvent(send, header)));
        }
    }

    public static void Close(Logger<CommunicationEvent>? log, bool send, int process, int remote)
    {
        if (log is null)
        {
            return;
        }

        log.Log(CommunicationEvent.Of(new StateEvent(send, process, remote, Start: false)));
        log.Close();
    }
}
