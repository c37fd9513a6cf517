using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// The examples' paged array against a <see cref="List{T}"/> given the same operations (grow,
/// write, fill) in any order, with lengths across page boundaries: after every operation both
/// hold the same elements.
/// </summary>
public sealed class PagedArrayProperties
{
    private enum Kind
    {
        Grow,
        Write,
        Fill,
    }

    [Property(MaxTest = 60)]
    public Property A_paged_array_holds_what_a_list_given_the_same_operations_holds()
    {
        int page = PagedArray<long>.PageLength;
        var lengths = Gen.OneOf(Gen.Choose(0, 20), Gen.Choose(page - 3, page + 3), Gen.Choose(0, (3 * page) + 5));
        var operation = Gen.Zip(Gen.Elements(Kind.Grow, Kind.Write, Kind.Write, Kind.Fill), Gen.Zip(lengths, Gen.Choose(int.MinValue, int.MaxValue)))
            .Select(t => (Kind: t.Item1, N: t.Item2.Item1, Value: (long)t.Item2.Item2));
        return Prop.ForAll(operation.ArrayOf().Select(a => a.Take(12).ToArray()).ToArbitrary(), operations =>
        {
            var array = new PagedArray<long>();
            var model = new List<long>();
            foreach (var (kind, n, value) in operations)
            {
                switch (kind)
                {
                    case Kind.Grow:
                        array.Grow(n);
                        while (model.Count < n)
                        {
                            model.Add(0);
                        }

                        break;
                    case Kind.Write when model.Count > 0:
                        array[n % model.Count] = value;
                        model[n % model.Count] = value;
                        break;
                    case Kind.Fill:
                        array.Fill(value);
                        for (int i = 0; i < model.Count; i++)
                        {
                            model[i] = value;
                        }

                        break;
                }

                if (array.Length != model.Count)
                {
                    return false;
                }

                for (int i = 0; i < model.Count; i++)
                {
                    if (array[i] != model[i])
                    {
                        return false;
                    }
                }
            }

            return true;
        });
    }
}
