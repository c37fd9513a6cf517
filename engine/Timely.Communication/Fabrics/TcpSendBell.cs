using Timely.Communication.Wakeup;

namespace Timely.Communication.Fabrics;

/// <summary>
/// What one local worker rings after writing frames for a remote process: at a flush it
/// sends them itself when it can (<see cref="TcpSendPath.TryFlushFrom"/>), otherwise it
/// wakes the send thread; between flushes it wakes the send thread only every
/// <see cref="PushesPerWake"/> pushes, so a long burst still streams while the worker keeps
/// pushing, but a single message costs no thread wake-up.
/// </summary>
/// <remarks>
/// Design: one per (worker, remote process), owned by that worker's thread; <c>_pushes</c> is a
/// plain field for that reason.
/// </remarks>
internal sealed class TcpSendBell : IWakeTarget
{
    /// <summary>Pushes between wake-ups of the send thread while a worker pushes without flushing.</summary>
    public const int PushesPerWake = 256;

    private readonly TcpSendPath _path;
    private readonly int _local;
    private int _pushes;

    public TcpSendBell(TcpSendPath path, int local)
    {
        _path = path;
        _local = local;
    }

    public void RingIfSleeping()
    {
        if (++_pushes >= PushesPerWake)
        {
            _pushes = 0;
            _path.ThreadBell.RingIfSleeping();
        }
    }

    public void RingAfterFence()
    {
        _pushes = 0;
        if (!_path.TryFlushFrom(_local))
        {
            FenceThenRing.One(_path.ThreadBell);
        }
    }
}
