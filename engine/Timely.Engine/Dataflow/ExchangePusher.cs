using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Timely.Communication;

namespace Timely.Dataflow;

/// <summary>
/// Routes each record of a message to the worker <c>hash % peers</c> (a mask when peers is a
/// power of two), batching per target and reusing the buffers the channel hands back.
/// </summary>
/// <remarks>
/// Design: the pusher is compiled per hash type (<typeparamref name="THash"/> is a struct, so
/// the JIT calls its <c>Hash</c> directly and inlines a small one; a delegate hash comes
/// wrapped in <see cref="DelegateHash{TData}"/>). Records are staged per target in an array of
/// <see cref="Message{T, TData}.BatchSize"/> with a count, not added to the message's list, so
/// the per-record loop is a hash, a route, one store and one compare; a full array (or
/// <see cref="Done"/>) copies into the target's message in one block and pushes it. Every
/// staged record carries <see cref="_time"/>: a message at another time first sends what is
/// staged, so the time is checked once per message, not per record. Per (source, target) the
/// records keep their order, and each message holds the same records as one filled by
/// <c>List.Add</c> would.
/// </remarks>
internal sealed class ExchangePusher<T, TData, THash> : IPush<Message<T, TData>>
    where THash : struct, IExchangeHash<TData>
{
    private readonly IPush<Message<T, TData>>[] _targets;
    private readonly Message<T, TData>?[] _buffers;
    private readonly Staging[] _staging;
    private readonly bool[] _pushed;
    private readonly ulong _peers;
    private readonly ulong _mask;
    private readonly THash _hash;
    private T _time = default!;
    private bool _staged;

    public ExchangePusher(IPush<Message<T, TData>>[] targets, THash hash)
    {
        _targets = targets;
        _hash = hash;
        _peers = (ulong)targets.Length;
        _mask = ulong.IsPow2(_peers) ? _peers - 1 : ulong.MaxValue;
        _buffers = new Message<T, TData>?[targets.Length];
        _staging = new Staging[targets.Length];
        _pushed = new bool[targets.Length];
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = new Message<T, TData>();
            _staging[i].Items = new TData[Message<T, TData>.BatchSize];
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
        if (_staged && !EqualityComparer<T>.Default.Equals(_time, time))
        {
            SendStaged();
        }

        _time = time;
        var hash = _hash; // a local: no defensive copy of a readonly field per call
        var staging = _staging;
        var data = CollectionsMarshal.AsSpan(message.Data);
        foreach (var item in data)
        {
            int target = Route(hash.Hash(item));
            ref var stage = ref staging[target];
            int count = stage.Count;
            stage.Items[count] = item;
            stage.Count = ++count;
            if (count == Message<T, TData>.BatchSize)
            {
                Send(target);
            }
        }

        _staged |= data.Length != 0;

        // The caller keeps the (now consumed) message to refill.
        message.Data.Clear();
    }

    public void Done()
    {
        if (_staged)
        {
            SendStaged();
        }

        for (int target = 0; target < _targets.Length; target++)
        {
            if (_pushed[target])
            {
                _pushed[target] = false;
                _targets[target].Done();
            }
        }
    }

    private void SendStaged()
    {
        for (int target = 0; target < _staging.Length; target++)
        {
            if (_staging[target].Count > 0)
            {
                Send(target);
            }
        }

        _staged = false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Send(int target)
    {
        ref var stage = ref _staging[target];
        var staged = stage.Items.AsSpan(0, stage.Count);
        var buffer = _buffers[target]!;
        buffer.Time = _time;
        buffer.Data.AddRange((ReadOnlySpan<TData>)staged);
        if (RuntimeHelpers.IsReferenceOrContainsReferences<TData>())
        {
            staged.Clear();
        }

        stage.Count = 0;
        _targets[target].Push(ref _buffers[target]);
        _pushed[target] = true;
        var back = _buffers[target] ??= new Message<T, TData>();
        back.Data.Clear();
    }

    /// <summary>One target's records not yet sent: <c>Items[..Count]</c>, all at <see cref="_time"/>.</summary>
    private struct Staging
    {
        public TData[] Items;
        public int Count;
    }
}
