using System.Runtime.CompilerServices;
using Timely.Communication;

namespace Timely.Dataflow;

/// <summary>
/// Routes each record of a message to the worker <c>hash % peers</c> (a mask when peers is a
/// power of two), batching per target and reusing the buffers the channel hands back.
/// </summary>
internal sealed class ExchangePusher<T, TData> : IPush<Message<T, TData>>
{
    private readonly IPush<Message<T, TData>>[] _targets;
    private readonly Message<T, TData>?[] _buffers;
    private readonly bool[] _pushed;
    private readonly Func<TData, ulong> _hash;
    private readonly ulong _peers;
    private readonly ulong _mask;

    public ExchangePusher(IPush<Message<T, TData>>[] targets, Func<TData, ulong> hash)
    {
        _targets = targets;
        _hash = hash;
        _peers = (ulong)targets.Length;
        _mask = ulong.IsPow2(_peers) ? _peers - 1 : ulong.MaxValue;
        _buffers = new Message<T, TData>?[targets.Length];
        _pushed = new bool[targets.Length];
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = new Message<T, TData>();
        }
    }

    /// <summary>The worker a record with hash <paramref name="hash"/> goes to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Route(ulong hash) => (int)(_mask != ulong.MaxValue ? hash & _mask : hash % _peers);

    public void Push(ref Message<T, TData>? message)
    {
        if (message is null)
        {
            Done();
            return;
        }

        var time = message.Time;
        var eq = EqualityComparer<T>.Default;
        foreach (var item in System.Runtime.InteropServices.CollectionsMarshal.AsSpan(message.Data))
        {
            int target = Route(_hash(item));
            var buffer = _buffers[target]!;
            var data = buffer.Data;
            if (data.Count == 0)
            {
                buffer.Time = time;
            }
            else if (!eq.Equals(buffer.Time, time))
            {
                Send(target);
                buffer = _buffers[target]!;
                buffer.Time = time;
                data = buffer.Data;
            }

            data.Add(item);
            if (data.Count >= Message<T, TData>.BatchSize)
            {
                Send(target);
            }
        }

        // The caller keeps the (now consumed) message to refill.
        message.Data.Clear();
    }

    public void Done()
    {
        for (int target = 0; target < _targets.Length; target++)
        {
            if (_buffers[target]!.Data.Count > 0)
            {
                Send(target);
            }

            if (_pushed[target])
            {
                _pushed[target] = false;
                _targets[target].Done();
            }
        }
    }

    private void Send(int target)
    {
        _targets[target].Push(ref _buffers[target]);
        _pushed[target] = true;
        var back = _buffers[target] ??= new Message<T, TData>();
        back.Data.Clear();
    }
}
