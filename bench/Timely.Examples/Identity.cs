using Timely.Dataflow.Channels;

namespace Timely.Examples;

/// <summary>The record itself as its exchange hash (timely's <c>|x| *x</c>).</summary>
public readonly struct Identity : IExchangeHash<ulong>
{
    public ulong Hash(ulong item) => item;
}
