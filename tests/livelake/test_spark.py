"""What a job persists it unpersists itself, and nothing else (a Spark Connect server is
shared by every task: `catalog.clearCache()` would drop the other tasks' frames)."""

from __future__ import annotations

from pyspark.storagelevel import StorageLevel

from livelake.spark import persist, persisted_frames


def test_a_persisted_frames_block_releases_its_own_frames_and_no_other(spark):
    anothers = spark.range(20).persist()  # another plan: equal plans share one cache entry
    anothers.count()
    with persisted_frames():
        mine = persist(spark.range(10).selectExpr("id AS my_id"))
        assert mine.count() == 10
        assert mine.storageLevel != StorageLevel.NONE
    assert mine.storageLevel == StorageLevel.NONE
    assert anothers.storageLevel != StorageLevel.NONE
    anothers.unpersist()
