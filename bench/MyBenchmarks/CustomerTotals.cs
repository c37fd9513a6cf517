namespace MyBenchmarks;

/// <summary>What the aggregation keeps per customer and round: the sales, their sum and the largest.</summary>
public struct CustomerTotals
{
    public long Count;
    public long Cents;
    public long Largest;

    /// <summary>Adds one sale.</summary>
    public void Add(Sale sale)
    {
        Count++;
        Cents += sale.Cents;
        Largest = Math.Max(Largest, sale.Cents);
    }
}
