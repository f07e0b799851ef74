using MlBuild.Core.Data.Validation;

namespace MlBuild.Core.Data.Parquet;

/// <summary>
/// Places a row of a Parquet row group: the file, the row group, the 0-based row within the file and the 1-based
/// record number within the dataset (all files of a glob, in order). Parquet has no lines or byte offsets.
/// </summary>
internal sealed class ParquetRowLocator(string file, int rowGroup, long firstRowInFile, long recordBase) : IRowLocator
{
    public DataLocation Locate(int row, int dataColumn) =>
        new(file, Line: 0, Column: 0, ByteOffset: -1, Record: recordBase + firstRowInFile + row + 1, RowGroup: rowGroup, Row: firstRowInFile + row);
}
