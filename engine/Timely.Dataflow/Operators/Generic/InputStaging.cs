using Timely.Dataflow.Channels;

namespace Timely.Dataflow.Operators.Generic;

/// <summary>
/// The staging behind <see cref="InputPort{T, TData}.ForEachTime"/> (timely's
/// <c>for_each_time</c>): pulls every message available now, takes each message's list (the
/// message goes back to its channel with an empty list from this stage's spares), sorts the
/// batches by time, then hands each time's batches over in one call.
/// </summary>
/// <remarks>
/// The sort is stable (by time, then arrival), so the batches of one time keep their arrival
/// order. Lists circulate: every list taken from a message comes back to the spares once the
/// call is over, and every spare leaves with a message, so the steady state allocates nothing.
/// </remarks>
internal sealed class InputStaging<T, TData>
{
    // Design: owned by the worker thread that runs its operator; the lists it stages are recycled on
    // that thread only.
    private readonly List<Staged> _staged = new();
    private readonly Stack<List<TData>> _spare = new();
    private List<TData>[] _group = new List<TData>[4];

    public void Run(InputPort<T, TData> port, OperatorCore<T> op, ForEachTimeLogic<T, TData> logic)
    {
        while (port.TryNext(out var capability, out _))
        {
            var message = port.Current!;
            var data = message.Data;
            message.Data = _spare.TryPop(out var spare) ? spare : new List<TData>(Message<T, TData>.BatchSize);
            _staged.Add(new Staged(capability.Time, _staged.Count, data));
        }

        if (_staged.Count == 0)
        {
            return;
        }

        try
        {
            _staged.Sort(StagedOrder.Instance);
            var eq = EqualityComparer<T>.Default;
            int start = 0;
            while (start < _staged.Count)
            {
                var time = _staged[start].Time;
                int end = start + 1;
                while (end < _staged.Count && eq.Equals(_staged[end].Time, time))
                {
                    end++;
                }

                int count = end - start;
                if (_group.Length < count)
                {
                    _group = new List<TData>[Math.Max(count, 2 * _group.Length)];
                }

                for (int i = 0; i < count; i++)
                {
                    _group[i] = _staged[start + i].Data;
                }

                logic(new InputCapability<T>(op, time), _group.AsSpan(0, count));
                start = end;
            }
        }
        finally
        {
            foreach (var staged in _staged)
            {
                staged.Data.Clear();
                _spare.Push(staged.Data);
            }

            _staged.Clear();
            Array.Clear(_group);
        }
    }

    private readonly record struct Staged(T Time, int Arrival, List<TData> Data);

    private sealed class StagedOrder : IComparer<Staged>
    {
        public static readonly StagedOrder Instance = new();

        public int Compare(Staged x, Staged y)
        {
            int byTime = Comparer<T>.Default.Compare(x.Time, y.Time);
            return byTime != 0 ? byTime : x.Arrival.CompareTo(y.Arrival);
        }
    }
}
