"""writing service: catalog of ready-made works and their purchases, reviews of authors
and of the company, the clients' forum and the per-order chat; payment.catalog_purchase_id
replaces the catalog_purchase_ref placeholder

Revision ID: f1a1c0de0010
Revises: d7b1c0de0008
"""
from alembic import op
import sqlalchemy as sa


revision = 'f1a1c0de0010'
down_revision = 'd7b1c0de0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ready_work',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('work_type', sa.String(length=80), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('preview_text', sa.Text(), nullable=True),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('file', sa.String(length=300), nullable=True),
    sa.Column('file_name', sa.String(length=300), nullable=True),
    sa.Column('file_type', sa.String(length=120), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('preview_file', sa.String(length=300), nullable=True),
    sa.Column('preview_name', sa.String(length=300), nullable=True),
    sa.Column('preview_type', sa.String(length=120), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('updated', sa.DateTime(), nullable=False),
    sa.CheckConstraint('pages >= 1', name='ck_ready_work_pages_positive'),
    sa.CheckConstraint('price >= 0', name='ck_ready_work_price_positive'),
    sa.PrimaryKeyConstraint('id')
    )

    with op.batch_alter_table('ready_work', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ready_work_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_ready_work_subject'), ['subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_ready_work_work_type'), ['work_type'], unique=False)

    op.create_table('catalog_purchase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('work_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('link_nonce', sa.String(length=40), nullable=True),
    sa.Column('link_issued_at', sa.DateTime(), nullable=True),
    sa.Column('link_expires_at', sa.DateTime(), nullable=True),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.Column('last_download_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['work_id'], ['ready_work.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )

    with op.batch_alter_table('catalog_purchase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalog_purchase_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_purchase_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_purchase_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_purchase_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalog_purchase_work_id'), ['work_id'], unique=False)

    op.create_table('forum_topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('last_post_at', sa.DateTime(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )

    with op.batch_alter_table('forum_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_topic_last_post_at'), ['last_post_at'], unique=False)

    op.create_table('forum_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['topic_id'], ['forum_topic.id'], ),
    sa.PrimaryKeyConstraint('id')
    )

    with op.batch_alter_table('forum_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forum_post_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_forum_post_topic_id_id', ['topic_id', 'id'], unique=False)

    op.create_table('company_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('moderated_by_id', sa.Integer(), nullable=True),
    sa.Column('moderated_at', sa.DateTime(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.CheckConstraint('stars >= 1 AND stars <= 5', name='ck_company_review_stars'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['moderated_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id')
    )

    with op.batch_alter_table('company_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_company_review_created'), ['created'], unique=False)
        batch_op.create_index(batch_op.f('ix_company_review_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_company_review_status'), ['status'], unique=False)

    op.create_table('order_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
    sa.PrimaryKeyConstraint('id')
    )

    with op.batch_alter_table('order_message', schema=None) as batch_op:
        batch_op.create_index('ix_order_message_order_id_id', ['order_id', 'id'], unique=False)

    op.create_table('author_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('rating_before', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('rating_after', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('created', sa.DateTime(), nullable=False),
    sa.CheckConstraint('stars >= 1 AND stars <= 5', name='ck_author_review_stars'),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['decision_id'], ['rule_decision.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('order_id')
    )

    with op.batch_alter_table('author_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_author_review_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_author_review_created'), ['created'], unique=False)
        batch_op.create_index(batch_op.f('ix_author_review_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('catalog_purchase_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_payment_catalog_purchase_id'), ['catalog_purchase_id'], unique=False)
        batch_op.create_foreign_key('fk_payment_catalog_purchase_id', 'catalog_purchase', ['catalog_purchase_id'], ['id'])
        batch_op.drop_column('catalog_purchase_ref')


def downgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('catalog_purchase_ref', sa.String(length=60), nullable=True))
        batch_op.drop_constraint('fk_payment_catalog_purchase_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_payment_catalog_purchase_id'))
        batch_op.drop_column('catalog_purchase_id')

    op.drop_table('author_review')
    op.drop_table('order_message')
    op.drop_table('company_review')
    op.drop_table('forum_post')
    op.drop_table('forum_topic')
    op.drop_table('catalog_purchase')
    op.drop_table('ready_work')
