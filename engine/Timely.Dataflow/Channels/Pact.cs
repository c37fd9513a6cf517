using Timely.Bytes;

namespace Timely.Dataflow.Channels;

/// <summary>
/// How records reach an operator input (timely's parallelization contract): along the
/// same worker (<see cref="Pipeline"/>) or to the worker chosen by a hash of each record
/// (<see cref="Exchange(Func{TData, ulong})"/>).
/// </summary>
public sealed class Pact<[WireEncoded] TData>
{
    // Design: immutable once made; a pact describes an edge and is read on the worker thread that
    // connects the stream.
    private Pact(Func<TData, ulong>? hash, ExchangeRoute<TData>? route)
    {
        Hash = hash;
        Route = route;
    }

    /// <summary>Records stay on the worker that produced them.</summary>
    public static Pact<TData> Pipeline { get; } = new(null, null);

    /// <summary>The exchange hash, or null for <see cref="Pipeline"/>.</summary>
    public Func<TData, ulong>? Hash { get; }

    /// <summary>Builds the exchange's pusher; null for <see cref="Pipeline"/>.</summary>
    internal ExchangeRoute<TData>? Route { get; }

    /// <summary>
    /// Each record goes to worker <c>hash(record) % peers</c> (computed as
    /// <c>hash &amp; (peers - 1)</c> when peers is a power of two).
    /// </summary>
    public static Pact<TData> Exchange(Func<TData, ulong> hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return new Pact<TData>(hash, new StructExchangeRoute<TData, DelegateHash<TData>>(new DelegateHash<TData>(hash)));
    }

    /// <summary>
    /// As <see cref="Exchange(Func{TData, ulong})"/>, by a struct hash: the routing loop is
    /// compiled for <typeparamref name="THash"/>, so its <see cref="IExchangeHash{TData}.Hash"/>
    /// is called directly (and inlined when small) instead of through a delegate per record.
    /// </summary>
    public static Pact<TData> Exchange<THash>(THash hash)
        where THash : struct, IExchangeHash<TData> =>
        new(item => hash.Hash(item), new StructExchangeRoute<TData, THash>(hash));
}
