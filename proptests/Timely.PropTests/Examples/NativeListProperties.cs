using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// The examples' native list against a <see cref="List{T}"/> given the same operations (add, grow,
/// write, clear) in any order, across its doublings: after every operation both hold the same
/// elements, and the capacity is never below the count.
/// </summary>
public sealed class NativeListProperties
{
    private enum Kind
    {
        Add,
        Grow,
        Write,
        Clear,
    }

    [Property(MaxTest = 100)]
    public Property A_native_list_holds_what_a_list_given_the_same_operations_holds()
    {
        var operation = Gen.Zip(Gen.Elements(Kind.Add, Kind.Add, Kind.Add, Kind.Grow, Kind.Write, Kind.Write, Kind.Clear), Gen.Zip(Gen.Choose(0, 70), Gen.Choose(int.MinValue, int.MaxValue)))
            .Select(t => (Kind: t.Item1, N: t.Item2.Item1, Value: (long)t.Item2.Item2));
        return Prop.ForAll(operation.ArrayOf().Select(a => a.Take(40).ToArray()).ToArbitrary(), operations =>
        {
            using var list = new NativeList<long>();
            var model = new List<long>();
            foreach (var (kind, n, value) in operations)
            {
                switch (kind)
                {
                    case Kind.Add:
                        list.Add(value);
                        model.Add(value);
                        break;
                    case Kind.Grow:
                        list.Grow(n);
                        model.AddRange(new long[Math.Max(0, n - model.Count)]);
                        break;
                    case Kind.Write when model.Count > 0:
                        int at = n % model.Count;
                        (list[at], model[at]) = (value, value);
                        break;
                    case Kind.Clear:
                        list.Clear();
                        model.Clear();
                        break;
                }

                if (list.Count != model.Count || list.Capacity < list.Count || !list.AsSpan().SequenceEqual(model.ToArray()))
                {
                    return false;
                }
            }

            return true;
        });
    }
}
