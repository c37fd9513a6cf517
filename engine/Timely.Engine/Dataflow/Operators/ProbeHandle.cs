using Timely.Dataflow.Progress;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Observes the frontier of one or more streams from outside the dataflow (timely's
/// <c>ProbeHandle</c>): whether records at a time may still arrive at the probe.
/// </summary>
public sealed class ProbeHandle<T>
{
    private readonly List<(Scope<T> Scope, int Operator)> _probes = new();
    private MutableAntichain<T>[] _frontiers = [];

    /// <summary>Whether records at some time strictly before <paramref name="time"/> may still arrive.</summary>
    public bool LessThan(T time)
    {
        foreach (var frontier in Frontiers())
        {
            if (frontier.LessThan(time))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether records at some time at or before <paramref name="time"/> may still arrive.</summary>
    public bool LessEqual(T time)
    {
        foreach (var frontier in Frontiers())
        {
            if (frontier.LessEqual(time))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether no more records will arrive at all (every probed frontier is empty).</summary>
    public bool Done
    {
        get
        {
            foreach (var frontier in Frontiers())
            {
                if (!frontier.IsEmpty)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The probed frontier's elements (of every probed stream), in no particular order.</summary>
    public T[] Frontier() => Frontiers().ToArray().SelectMany(f => f.Frontier.ToArray()).Distinct().ToArray();

    internal void Add(Scope<T> scope, int operatorIndex)
    {
        _probes.Add((scope, operatorIndex));
        _frontiers = [];
    }

    private ReadOnlySpan<MutableAntichain<T>> Frontiers()
    {
        if (_frontiers.Length != _probes.Count)
        {
            if (_probes.Count == 0)
            {
                throw new InvalidOperationException("the probe handle observes no stream (use stream.ProbeWith(handle))");
            }

            _frontiers = _probes.Select(p => p.Scope.InputFrontier(p.Operator, 0)).ToArray();
        }

        return _frontiers;
    }
}
