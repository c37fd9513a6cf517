using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Timely.Communication;

namespace Timely.Dataflow.Channels;

/// <summary>
/// Routes each record of a message to the worker <c>hash % peers</c> (a mask when peers is a
/// power of two), batching per target and reusing the buffers the channel hands back.
/// </summary>
/// <remarks>
/// Design: the pusher is compiled per hash type (<typeparamref name="THash"/> is a struct, so
/// the JIT calls its <c>Hash</c> directly and inlines a small one; a delegate hash comes
/// wrapped in <see cref="DelegateHash{TData}"/>). Records are written straight into the
/// backing array of each target's next message (<see cref="ListStorage{T}"/>) with a count, not
/// added to its list, so a record is written once and the per-record loop is a hash, a route
/// and one store; a full batch (or <see cref="Done"/>) commits the count to the list and pushes
/// it; when the target hands no message back, the next one comes from the worker's
/// <see cref="MessagePool{T, TData}"/>. The routing loop runs in chunks no target can fill (<see cref="Message{T, TData}.BatchSize"/>
/// less the fullest target's count), so it has no compare and no call per record; the route (a
/// mask or a modulus, <see cref="IRoute"/>) is a struct so each loop is compiled with its own.
/// Every staged record carries <see cref="_time"/>: a message at another time first sends what
/// is staged, so the time is checked once per message, not per record. Per (source, target) the
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
    private readonly MessagePool<T, TData> _pool;
    private T _time = default!;
    private bool _staged;

    public ExchangePusher(IPush<Message<T, TData>>[] targets, THash hash, MessagePool<T, TData> pool)
    {
        _targets = targets;
        _hash = hash;
        _pool = pool;
        _peers = (ulong)targets.Length;
        _mask = ulong.IsPow2(_peers) ? _peers - 1 : ulong.MaxValue;
        _buffers = new Message<T, TData>?[targets.Length];
        _staging = new Staging[targets.Length];
        _pushed = new bool[targets.Length];
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = pool.Rent();
            _staging[i].Items = pool.Reserve(_buffers[i]!);
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
        var data = CollectionsMarshal.AsSpan(message.Data);
        if (_mask != ulong.MaxValue)
        {
            Stage(data, new MaskRoute(_mask));
        }
        else
        {
            Stage(data, new ModRoute(_peers));
        }

        _staged |= data.Length != 0;

        // The caller keeps the (now consumed) message to refill.
        message.Data.Clear();
    }

    /// <summary>Stages every record of <paramref name="data"/> at its target, sending the batches that fill.</summary>
    /// <remarks>
    /// Compiled optimized at its first call. Its loop runs over every record of a message, and a
    /// dataflow that exchanges a few large batches per round calls it too few times to tier up
    /// before a short job ends: it would run in unoptimized code (the hash and the route not
    /// inlined) or in on-stack-replacement copies compiled one per loop entry. Dynamic PGO has
    /// little to add: the route and the hash are structs, called directly (a delegate hash is the
    /// one indirect call it could have guessed).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Stage<TRoute>(ReadOnlySpan<TData> data, TRoute route)
        where TRoute : struct, IRoute
    {
        var hash = _hash; // a local: no defensive copy of a readonly field per call
        var staging = _staging;
        while (!data.IsEmpty)
        {
            // No target fills within `room` records: route them without a compare or a call.
            int fullest = 0;
            foreach (ref readonly var stage in staging.AsSpan())
            {
                fullest = Math.Max(fullest, stage.Count);
            }

            int room = Math.Min(data.Length, Message<T, TData>.BatchSize - fullest);
            foreach (var item in data[..room])
            {
                ref var stage = ref staging[route.Of(hash.Hash(item))];
                stage.Items[stage.Count++] = item;
            }

            data = data[room..];
            for (int target = 0; target < staging.Length; target++)
            {
                if (staging[target].Count == Message<T, TData>.BatchSize)
                {
                    Send(target);
                }
            }
        }
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
        var buffer = _buffers[target]!;
        buffer.Time = _time;
        ListStorage<TData>.Commit(buffer.Data, stage.Count);
        stage.Count = 0;
        _targets[target].Push(ref _buffers[target]);
        _pushed[target] = true;
        // What comes back may be a message whose list went on downstream (a forwarding receiver
        // swapped in a carrier's list without an array): Reserve gives it a waiting array first.
        var back = _buffers[target] ??= _pool.Rent();
        stage.Items = _pool.Reserve(back);
    }

    /// <summary>
    /// One target's records not yet sent: <c>Items[..Count]</c>, all at <see cref="_time"/>;
    /// <c>Items</c> is the backing array of that target's next message.
    /// </summary>
    private struct Staging
    {
        public TData[] Items;
        public int Count;
    }

    /// <summary>The worker of a hash: a struct so each routing loop is compiled with its own.</summary>
    private interface IRoute
    {
        int Of(ulong hash);
    }

    private readonly struct MaskRoute(ulong mask) : IRoute
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Of(ulong hash) => (int)(hash & mask);
    }

    private readonly struct ModRoute(ulong peers) : IRoute
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Of(ulong hash) => (int)(hash % peers);
    }
}
