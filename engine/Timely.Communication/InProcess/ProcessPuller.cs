using System.Runtime.CompilerServices;
using Timely.Communication.Diagnostics;

namespace Timely.Communication.InProcess;

/// <summary>
/// Receives one channel's messages from every worker of the process, FIFO per sender. It
/// stays on one sender while that sender has messages (no fairness, as in timely) and hands
/// whatever the caller leaves in the slot back to the sender it came from.
/// </summary>
internal sealed class ProcessPuller<T> : IPull<T>
    where T : class
{
    private readonly SpscQueue<T>[] _from;     // _from[s]: messages from worker s (we consume)
    private readonly SpscQueue<T>[] _backTo;   // _backTo[s]: buffers for worker s (we produce)
    private T? _current;
    private int _currentSource;
    private int _cursor;
    private readonly WorkerCounters _counters;

    public ProcessPuller(ProcessChannel<T> channel, int index, WorkerCounters counters)
    {
        _counters = counters;
        int peers = channel.Peers;
        _from = channel.Inboxes[index].From;
        _backTo = new SpscQueue<T>[peers];
        for (int s = 0; s < peers; s++)
        {
            _backTo[s] = channel.Returns[(s * peers) + index];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref T? Pull()
    {
        if (_current is not null)
        {
            _backTo[_currentSource].Enqueue(_current);
            _current = null;
        }

        if (_from[_cursor].TryDequeue(out var next))
        {
            _current = next;
            _currentSource = _cursor;
            _counters.MessagesReceivedRef++;
            return ref _current;
        }

        return ref PullSlow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ref T? PullSlow()
    {
        for (int k = 1; k < _from.Length; k++)
        {
            int s = _cursor + k;
            if (s >= _from.Length)
            {
                s -= _from.Length;
            }

            if (_from[s].TryDequeue(out var next))
            {
                _cursor = s;
                _counters.MessagesReceivedRef++;
                _current = next;
                _currentSource = s;
                return ref _current;
            }
        }

        return ref _current;
    }
}
